from solve import solve

def test_starts_at_initial_condition():
    assert solve()[0] == (0.0, 1.0)
