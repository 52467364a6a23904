# A mapper for the 2-D stencil: every task on a GPU when it has a variant, data in the GPU's framebuffer,
# and tiles placed in contiguous blocks, node by node.

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * * CPU SYSMEM;

Layout * * * SOA F_order;

mgpu = Machine(GPU);  # (nodes, GPUs per node)
mcpu = Machine(CPU);

# Tile i goes to GPU i % g of node i / g: neighbouring tiles share a node.
def linear_block(Task task) {
    g = mgpu.size[1];
    i = task.ipoint[0];
    return mgpu[i / g % mgpu.size[0], i % g];
}

# Bookkeeping tasks run on the first CPU of the node that owns the tile.
def block_shard_cpu(Task task) {
    return mcpu[task.ipoint[0] / mgpu.size[1] % mcpu.size[0], 0];
}

IndexTaskMap stencil, increment linear_block;
IndexTaskMap check, print_time block_shard_cpu;
