# Expert mapper for pennant: GPUs first; the points shared between pieces (rp_all_shared_p, owned) and
# their ghost copies (rp_all_ghost_p) in zero-copy memory, where both neighbours reach them without
# copies; everything else in the framebuffer. Pieces are dealt cyclically over nodes first
# (piece i on node i mod n, GPU i / n).

Task * GPU, CPU;

Region * * GPU FBMEM;
Region * rp_all_shared_p GPU ZCMEM;
Region * rp_all_ghost_p GPU ZCMEM;
Region * * CPU SYSMEM;

Layout * * * SOA C_order;

mgpu = Machine(GPU);  # (nodes, GPUs per node)

def linear_cyclic(Task task) {
    i = task.ipoint[0];
    n = mgpu.size[0];
    return mgpu[i % n, i / n % mgpu.size[1]];
}

IndexTaskMap * linear_cyclic;

ControlReplicate *;
