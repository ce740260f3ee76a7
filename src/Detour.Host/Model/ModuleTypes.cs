using Mono.Cecil;

namespace Detour.Host.Model;

public static class ModuleTypes
{
    /// <summary>Every type of the module, nested ones included.</summary>
    public static IEnumerable<TypeDefinition> All(ModuleDefinition module)
    {
        var stack = new Stack<TypeDefinition>(module.Types);
        while (stack.Count > 0)
        {
            var type = stack.Pop();
            yield return type;
            foreach (var nested in type.NestedTypes) stack.Push(nested);
        }
    }
}
