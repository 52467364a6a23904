# The mapper program the Legion check runs under: one statement of each kind, each with a visible effect.

Task fill OMP, CPU;            # fill has OMP and CPU variants: OMP where the machine has OpenMP processors
Task * CPU;

Region * grid * SYSMEM;
Region stencil 1 * SYSMEM;     # by argument index
Layout stencil blocks * AOS C_order Align == 64;
Layout sum * * SOA C_order;

CollectMemory sum grid;
InstanceLimit wait 1;          # each CPU gets two points of `wait`: one is mapped at a time

m = Machine(CPU);

# Points of the 2-D launch go round the node's CPUs in row-major order, last CPU first.
def cyclic(Task t) {
    linear = t.ipoint[0] * t.ispace[1] + t.ipoint[1];
    return m[0, m.size[1] - 1 - linear % m.size[1]];
}
IndexTaskMap stencil cyclic;

def last_cpu(Task t) {
    return m[0, m.size[1] - 1];
}
SingleTaskMap sum last_cpu;
