# Expert mapper for Johnson's 3-D GEMM: the g x g x g leaves in blocks over every GPU (auto_split of
# the flattened GPUs along the iteration space, dimension 0 fastest); each tile placed on GPU
# rank = x0 + g x1 + g^2 x2 (mod the GPUs) of its grid coordinate; the leaves' inputs collected as
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

# The placements run over (g, g, 1), (g, 1, g) and (1, g, g): g is the largest extent.
def rank_cyclic(Task task) {
    x = task.ipoint;
    s = task.ispace;
    g = s[0] > s[1] ? s[0] : s[1];
    return m_1d[(x[0] + g * x[1] + g * g * x[2]) % m_1d.size[0]];
}

def linear_distribute(Task task) {
    return m_1d[task.ipoint[0] % m_1d.size[0]];
}

IndexTaskMap task_4 autoblock;
IndexTaskMap task_1, task_2, task_3, taco_fill rank_cyclic;
IndexTaskMap init_cublas linear_distribute;

ControlReplicate task_1, task_2, task_3, task_4, taco_fill, init_cublas;
