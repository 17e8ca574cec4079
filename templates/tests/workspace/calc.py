def add(a, b):
    return a + b


def mean(values):
    raise NotImplementedError
