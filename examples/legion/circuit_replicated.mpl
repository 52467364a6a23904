# Legion's circuit example on several nodes: the top-level task is control-replicated, so every node
# launches the pieces it owns, and the pieces are dealt round the nodes (piece i on node i mod nodes),
# then round that node's CPUs. Each index launch is sharded by the node this mapping gives a piece.
ControlReplicate top_level;
Task * CPU;
Region * * CPU SYSMEM;

m = Machine(CPU);

def round_nodes(Task t) {
    i = t.ipoint[0];
    return m[i % m.size[0], i / m.size[0] % m.size[1]];
}

IndexTaskMap calc_new_currents, distribute_charge, update_voltages round_nodes;
