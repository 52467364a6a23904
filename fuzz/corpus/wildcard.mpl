Task * GPU;
m = Machine(GPU);
def f(Task t) { return m[t.ipoint[0] % m.size[0], *]; }
IndexTaskMap t f;
