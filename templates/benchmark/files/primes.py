def count_primes(n):
    sieve = bytearray([1]) * n
    sieve[0:2] = b"\x00\x00"
    for k in range(2, int(n ** 0.5) + 1):
        if sieve[k]:
            sieve[k * k :: k] = bytes(len(range(k * k, n, k)))
    return sum(sieve)


if __name__ == "__main__":
    print(count_primes(60_000))
