"""Integrates y'' + 0.2 y' + y = 0 with y(0)=1, y'(0)=0 and writes x,y as CSV."""
import argparse

def derivatives(y, v):
    return v, -0.2 * v - y

def solve(dx=0.01, x_end=10.0):
    y, v = 1.0, 0.0
    rows = [(0.0, y)]
    steps = round(x_end / dx)
    for i in range(1, steps + 1):
        k1 = derivatives(y, v)                     # classical RK4: fourth order
        k2 = derivatives(y + dx / 2 * k1[0], v + dx / 2 * k1[1])
        k3 = derivatives(y + dx / 2 * k2[0], v + dx / 2 * k2[1])
        k4 = derivatives(y + dx * k3[0], v + dx * k3[1])
        y += dx / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        v += dx / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        rows.append((i * dx, y))
    return rows

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.out, "w") as f:
        f.write("x,y\n")
        for x, y in solve():
            f.write(f"{x:.6f},{y:.17e}\n")
