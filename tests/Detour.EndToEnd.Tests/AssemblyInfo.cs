using NUnit.Framework;

// Two tests at a time on the CI's two cores: much of an end-to-end test is waiting (for a build, an app, a host, an
// answer), and the CPU stood idle about a quarter of the time one at a time. Tests that watch a terminal or time their
// answers under load (TerminalTests, FullScreenTests, WebLoadTests, BrowserTests) stay NonParallelizable and run alone.
[assembly: LevelOfParallelism(2)]
