using Microsoft.CodeAnalysis.CSharp;
using Mono.Cecil;

// Uses both libraries on every tick, so a clash with Detour's own copies would show at once.
while (true)
{
    var tree = CSharpSyntaxTree.ParseText(Greeter.Source());
    using var module = ModuleDefinition.ReadModule(typeof(Greeter).Assembly.Location);
    string roslyn = typeof(CSharpSyntaxTree).Assembly.GetName().Version!.ToString(2);
    string cecil = typeof(ModuleDefinition).Assembly.GetName().Version!.ToString(3);
    Console.WriteLine($"tick roslyn {roslyn} cecil {cecil} nodes {tree.GetRoot().DescendantNodes().Count()} types {module.Types.Count}");
    Thread.Sleep(50);
}
