# Expert mapper for the 2-D DISTAL GEMMs (Cannon, SUMMA and PUMMA share it, as published): tiles in blocks over the
# nodes and cyclically over each node's GPUs (auto2d), the per-node inner tasks on the node's OpenMP
# processor, the leaves on the GPU of their parent, one leaf in flight per GPU and its input copies
# collected as soon as it ends.

Task * GPU, OMP, CPU;

Region * * * SOCKMEM, SYSMEM;
Region * * GPU FBMEM, ZCMEM;

Layout * * * SOA C_order;

InstanceLimit task_4 1;
InstanceLimit task_6 1;
CollectMemory task_4 *;

m_2d = Machine(GPU);  # (nodes, GPUs per node)
m_1d = m_2d.merge(0, 1);
m_omp = Machine(OMP);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def cyclic_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] % z.size[dim2];
}

# Nodes in blocks of the launch domain, each node's GPUs cyclically over what remains.
def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1));
    lower = tuple(cyclic_primitive(task.ipoint, task.ispace, m_4d, i, i + 2) for i in (0, 1));
    return m_4d[*upper, *lower];
}

# The node grid task on OpenMP processor 0 of the node that holds its tiles.
def auto2d_omp(Task task) {
    m_3d = m_omp.auto_split(0, task.ispace);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_3d, i, i) for i in (0, 1));
    return m_3d[*upper, 0];
}

# A node's 2 x 2 launch over its own GPUs, in the order auto2d gives their tiles.
def node_gpus(Task task) {
    m_3d = m_2d.auto_split(1, task.ispace);
    return m_3d[task.parent.processor(m_omp)[0], *task.ipoint];
}

def linear_distribute(Task task) {
    return m_1d[task.ipoint[0] % m_1d.size[0]];
}

def same_point(Task task) {
    return m_2d[*task.parent.processor(m_2d)];
}

IndexTaskMap task_1, task_2, task_3, taco_fill auto2d;
IndexTaskMap task_7 auto2d_omp;
IndexTaskMap task_5 node_gpus;
IndexTaskMap init_cublas linear_distribute;
SingleTaskMap task_4 same_point;

ControlReplicate task_1, task_2, task_3, taco_fill, task_7, init_cublas;
