// OpenTelemetry's listeners are process-wide: one host's tracer provider sees every HttpClient span in the
// process and runs its processors on them. Tests run one at a time so a host's options never touch another test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
