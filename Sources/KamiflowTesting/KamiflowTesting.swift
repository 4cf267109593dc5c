// The KamiflowTesting module; see DESIGN.md §2 for what belongs here.
