# Legion's circuit example with the pieces in contiguous blocks, the last CPU first; C-ordered
# instances; at most one current calculation in flight per CPU; the locator copies of
# update_voltages dropped once it finishes.
Task * CPU;
Layout * * * SOA C_order;
InstanceLimit calc_new_currents 1;
CollectMemory update_voltages node_locator;

m = Machine(CPU);

def reversed_blocks(Task t) {
    r = m.reverse(1);
    g = t.ipoint[0] * m.volume / t.ispace[0];
    return r[g / m.size[1], g % m.size[1]];
}

IndexTaskMap calc_new_currents, distribute_charge, update_voltages reversed_blocks;
