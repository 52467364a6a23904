# A mapper program with an error: the application must not start.
Task * CPU;
Region * * CPU SYSMEM;
IndexTaskMap stencil no_such_function;
