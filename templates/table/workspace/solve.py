"""Integrates y'' + 0.2 y' + y = 0 with y(0)=1, y'(0)=0 and writes x,y as CSV."""
import argparse

def derivatives(y, v):
    return v, -0.2 * v - y

def solve(dx=0.01, x_end=10.0):
    y, v, x = 1.0, 0.0, 0.0
    rows = [(0.0, y)]
    steps = round(x_end / dx)
    for i in range(1, steps + 1):
        dy, dv = derivatives(y, v)
        y, v = y + dx * dy, v + dx * dv      # explicit Euler: first order
        x = i * dx
        rows.append((x, y))
    return rows

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.out, "w") as f:
        f.write("x,y\n")
        for x, y in solve():
            f.write(f"{x:.6f},{y:.17e}\n")
