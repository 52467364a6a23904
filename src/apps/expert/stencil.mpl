# Expert mapper for stencil: every tile on a GPU in blocks (tile i on GPU i mod g of node i / g, so
# neighbouring tiles share a node), all data in the framebuffer, column-major SOA layouts, which the
# GPU kernels (x fastest) read coalesced.

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * * CPU SYSMEM;

Layout * * * SOA F_order;

mgpu = Machine(GPU);  # (nodes, GPUs per node)

def linear_block(Task task) {
    g = mgpu.size[1];
    i = task.ipoint[0];
    return mgpu[i / g % mgpu.size[0], i % g];
}

IndexTaskMap stencil, increment linear_block;

ControlReplicate stencil, increment;
