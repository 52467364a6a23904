# Control replication: the top-level task runs on every node, and each node launches the `stencil`
# points that the index mapping puts on it (rows of blocks dealt round the nodes).
ControlReplicate top_level;
Task * CPU;

m = Machine(CPU);

def rows_round_nodes(Task t) {
    return m[t.ipoint[0] % m.size[0], t.ipoint[1] % m.size[1]];
}
IndexTaskMap stencil rows_round_nodes;

# `pair` reads two blocks through one accessor, on the last node: their one instance is made there.
def last_node(Task t) {
    return m[m.size[0] - 1, 0];
}
SingleTaskMap pair last_node;
