# Two-level blocking of a 2-D launch: nodes take blocks of the domain, and within a node the GPUs take
# blocks of the node's share. auto_split chooses the processor grid that minimises block surface.

Task * GPU, OMP, CPU;
Region * * GPU FBMEM, ZCMEM;
Region * * * SOCKMEM, SYSMEM;
Layout * * * SOA C_order Align == 128;

m_2d = Machine(GPU);

def block(IPoint x, ISpace extent, MSpace m, int dim, int mdim) {
    return x[dim] * m.size[mdim] / extent[dim];
}

def hierarchical_block(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);  # nodes -> a 2-D grid of nodes
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);  # GPUs -> a 2-D grid per node
    per_node = task.ispace / m_4d[:2];
    upper = tuple(block(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1));
    local = task.ipoint % per_node;
    lower = tuple(block(local, per_node, m_4d, i, i + 2) for i in (0, 1));
    return m_4d[*upper, *lower];
}

IndexTaskMap work hierarchical_block;
