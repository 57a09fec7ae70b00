module bench_switch/go

go 1.19
