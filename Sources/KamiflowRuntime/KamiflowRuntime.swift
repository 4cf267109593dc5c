// The KamiflowRuntime module; see DESIGN.md §2 for what belongs here.
