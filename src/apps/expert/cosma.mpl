# Expert mapper for COSMA's GEMM: the gx x gy x gz leaves in blocks over every GPU (auto_split of the
# flattened GPUs along the iteration space, dimension 0 fastest); each tile placed on GPU
# rank = x0 + gx x1 + gx gy x2 (mod the GPUs) of its grid coordinate; the leaves' inputs collected as
# soon as they end.

Task * GPU, OMP, CPU;

Region * * * SOCKMEM, SYSMEM;
Region * * GPU FBMEM, ZCMEM;

Layout * * * SOA C_order;

CollectMemory task_4 *;

m_2d = Machine(GPU);  # (nodes, GPUs per node)
m_1d = m_2d.merge(0, 1);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def autoblock(Task task) {
    m_4d = m_1d.auto_split(0, task.ispace);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1, 2));
    return m_4d[*upper];
}

# A tile of the gx x gy x gz grid lives on GPU rank = x0 + gx x1 + gx gy x2 (mod the GPUs). A is placed
# over (gx, gy, 1), B over (gx, 1, gz) and C over (1, gy, gz): each placement knows which extent it lacks,
# and gx gy gz is the number of GPUs.
def rank(IPoint x, int gx, int gy) {
    return m_1d[(x[0] + gx * x[1] + gx * gy * x[2]) % m_1d.size[0]];
}

def place_a(Task task) {
    s = task.ispace;
    return rank(task.ipoint, s[0], s[1]);
}

def place_b(Task task) {
    s = task.ispace;
    return rank(task.ipoint, s[0], m_1d.size[0] / (s[0] * s[2]));
}

def place_c(Task task) {
    s = task.ispace;
    return rank(task.ipoint, m_1d.size[0] / (s[1] * s[2]), s[1]);
}

# taco_fill fills A, B and C over the same domains. A domain of extent 1 along k is A's, else one of
# extent 1 along j is B's, else C's: exact unless C's grid has gz = 1 and gx > 1, which COSMA's grids
# (the largest extent along k) never have.
def place_filled(Task task) {
    s = task.ispace;
    return s[2] == 1 ? place_a(task) : s[1] == 1 ? place_b(task) : place_c(task);
}

def linear_distribute(Task task) {
    return m_1d[task.ipoint[0] % m_1d.size[0]];
}

IndexTaskMap task_4 autoblock;
IndexTaskMap task_1 place_a;
IndexTaskMap task_2 place_b;
IndexTaskMap task_3 place_c;
IndexTaskMap taco_fill place_filled;
IndexTaskMap init_cublas linear_distribute;

ControlReplicate task_1, task_2, task_3, task_4, taco_fill, init_cublas;
