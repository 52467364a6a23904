# Legion's circuit example with the pieces dealt round the CPUs one by one (node-major), and the node
# copies calc_new_currents reads dropped once it finishes. (The example's CPU kernels load each field
# with vector instructions, so its instances must stay SOA: an AOS layout crashes it.)
Task * CPU;
Region * * CPU SYSMEM;
CollectMemory calc_new_currents all_nodes;

m = Machine(CPU);

def cyclic(Task t) {
    i = t.ipoint[0];
    return m[i / m.size[1] % m.size[0], i % m.size[1]];
}

IndexTaskMap calc_new_currents, distribute_charge, update_voltages cyclic;
