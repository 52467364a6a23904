# A mapper for examples/apps/halo2d.toml: tiles on GPUs in 2-D blocks, data in framebuffers, layouts the
# GPU kernels run fastest with.

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * * CPU SYSMEM;

Layout * * * SOA F_order Align == 128;

m = Machine(GPU);

# Tile (x, y) of the launch grid: nodes take blocks of rows, GPUs the tiles within a node's block.
def tile_block(Task task) {
    i = task.ipoint[0] * task.ispace[1] + task.ipoint[1];
    per_proc = (task.ispace.volume + m.volume - 1) / m.volume;
    g = i / per_proc;
    return m[g / m.size[1] % m.size[0], g % m.size[1]];
}

IndexTaskMap stencil, increment tile_block;
