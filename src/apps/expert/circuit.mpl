# Expert mapper for circuit: the three main tasks on GPUs in blocks (superpiece i on GPU i mod g of
# node i / g), the shared and ghost nodes in zero-copy memory so that neighbours reach them without
# copies, everything else in the framebuffer; initialisation on the first CPU of each node.

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * rp_shared GPU ZCMEM;
Region * rp_ghost GPU ZCMEM;
Region * * CPU SYSMEM;

Layout * * * SOA C_order;

mgpu = Machine(GPU);  # (nodes, GPUs per node)
mcpu = Machine(CPU);

def linear_block(Task task) {
    g = mgpu.size[1];
    i = task.ipoint[0];
    return mgpu[i / g % mgpu.size[0], i % g];
}

def init_on_cpu(Task task) {
    return mcpu[task.ipoint[0] / mcpu.size[1] % mcpu.size[0], 0];
}

IndexTaskMap calculate_new_currents, distribute_charge, update_voltages linear_block;
IndexTaskMap init_piece, init_pointers init_on_cpu;

# One shard per node launches that node's pieces.
ControlReplicate calculate_new_currents, distribute_charge, update_voltages, init_piece, init_pointers;
