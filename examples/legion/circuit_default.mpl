# Legion's circuit example under the policy's defaults, which mirror Legion's default mapper: tasks on
# the first of GPU, OMP, CPU they have a variant for, data in the processor's own memory, SOA F_order,
# index launches in contiguous blocks over the processors, node-major. An empty program says just that.
