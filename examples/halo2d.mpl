# A mapper for examples/apps/halo2d.toml: tiles on GPUs in 2-D blocks, data in framebuffers, layouts the
# GPU kernels run fastest with.

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * * CPU SYSMEM;

Layout * * * SOA F_order Align == 128;

m = Machine(GPU);

# Tiles in contiguous blocks over every GPU of the machine, node-major: on one node, one tile per GPU;
# on four nodes, one tile per node.
def tile_block(Task task) {
    i = task.ipoint[0] * task.ispace[1] + task.ipoint[1];
    g = i * m.volume / task.ispace.volume;
    return m[g / m.size[1], g % m.size[1]];
}

IndexTaskMap stencil, increment tile_block;

# Each node's runtime launches its own tiles.
ControlReplicate stencil, increment;
