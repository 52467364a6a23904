# A DISTAL-style GEMM mapper: tiles blocked over nodes and cyclic over each node's GPUs, the leaf task on
# the same GPU as its parent, back-pressure on leaves and eager collection of their inputs.

Task * GPU, OMP, CPU;
Region * * * SOCKMEM, SYSMEM;
Region * * GPU FBMEM, ZCMEM;
Layout * * * SOA C_order;

InstanceLimit task_4 1;
InstanceLimit task_6 1;
CollectMemory task_4 *;

m_2d = Machine(GPU);  // (nodes, GPUs per node)
m_1d = m_2d.merge(0, 1);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def cyclic_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] % z.size[dim2];
}

def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1));
    lower = tuple(cyclic_primitive(task.ipoint, task.ispace, m_4d, i, i + 2) for i in (0, 1));
    return m_4d[*upper, *lower];
}

def linear_distribute(Task task) {
    return m_1d[task.ipoint[0] % m_1d.size[0]];
}

def same_point(Task task) {
    return m_2d[*task.parent.processor(m_2d)];
}

IndexTaskMap task_1, task_2, task_3, task_5 auto2d;
IndexTaskMap init_cublas linear_distribute;
SingleTaskMap task_4 same_point;
