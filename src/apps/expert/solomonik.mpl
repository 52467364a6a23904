# Expert mapper for Solomonik's 2.5-D GEMM: the rpoc x rpoc x c inner tasks in blocks over the nodes and
# cyclically over each node's GPUs (auto3d), each leaf on its parent's GPU, tiles dealt over nodes
# first (auto_cyclic_3d), one leaf in flight per GPU and its inputs collected as soon as it ends.

Task * GPU, OMP, CPU;

Region * * * SOCKMEM, SYSMEM;
Region * * GPU FBMEM, ZCMEM;

Layout * * * SOA C_order;

InstanceLimit task_4 1;
CollectMemory task_4 *;

m_2d = Machine(GPU);  # (nodes, GPUs per node)
m_1d = m_2d.merge(0, 1);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def cyclic_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] % z.size[dim2];
}

def auto3d(Task task) {
    m_4d = m_2d.auto_split(0, task.ispace);
    m_6d = m_4d.auto_split(3, task.ispace / m_4d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_6d, i, i) for i in (0, 1, 2));
    lower = tuple(cyclic_primitive(task.ipoint, task.ispace, m_6d, i, i + 3) for i in (0, 1, 2));
    return m_6d[*upper, *lower];
}

# l = x0 + rpoc x1: node l mod n, GPU (l / n) mod GPUs per node.
def auto_cyclic_3d(Task task) {
    l = task.ipoint[0] + task.ispace[0] * task.ipoint[1];
    return m_2d[l % m_2d.size[0], l / m_2d.size[0] % m_2d.size[1]];
}

def block1d(Task task) {
    return m_1d[task.ipoint[0] * m_1d.size[0] / task.ispace[0]];
}

def same_point(Task task) {
    return m_2d[*task.parent.processor(m_2d)];
}

IndexTaskMap task_5 auto3d;
IndexTaskMap task_1, task_2, task_3, taco_fill auto_cyclic_3d;
IndexTaskMap init_cublas block1d;
SingleTaskMap task_4 same_point;

ControlReplicate task_1, task_2, task_3, task_5, taco_fill, init_cublas;
