using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Planning;

/// <summary>The syntax map of one method's update through the runtime: for a node of the new declaration (a lambda, a
/// local function, a closure's scope, a local, an await), the node of the old declaration it continues. With it Roslyn
/// updates the method's lambdas and state machine in place, so delegates and suspended calls made before the edit run
/// the new code; without it Roslyn re-creates them, and the old ones throw HotReloadException (native-notes/generics.md).
/// Lambdas are paired by their place among the method's lambdas (a longest common subsequence of their shapes); any
/// other node by its path of kinds from the nearest lambda or the declaration. A lambda with no partner is new.</summary>
internal sealed class LambdaSyntaxMap
{
    readonly SyntaxNode _old, _new;
    readonly Dictionary<SyntaxNode, SyntaxNode> _lambdas = new();

    LambdaSyntaxMap(SyntaxNode oldDeclaration, SyntaxNode newDeclaration)
    {
        (_old, _new) = (oldDeclaration, newDeclaration);
        var before = Lambdas(oldDeclaration);
        var now = Lambdas(newDeclaration);
        foreach (var (oldIndex, newIndex) in CommonSubsequence(before.Select(Shape).ToList(), now.Select(Shape).ToList()))
            _lambdas[now[newIndex]] = before[oldIndex];
    }

    /// <summary>The map between two declarations of the same method (the first syntax reference of each).</summary>
    public static LambdaSyntaxMap? Between(IMethodSymbol oldMethod, IMethodSymbol newMethod) =>
        oldMethod.DeclaringSyntaxReferences is [var oldReference, ..] && newMethod.DeclaringSyntaxReferences is [var newReference, ..]
            ? new LambdaSyntaxMap(oldReference.GetSyntax(), newReference.GetSyntax())
            : null;

    /// <summary>What of the old code the new one does not continue, which the runtime's update cannot carry over: a lambda
    /// whose delegates would throw, or an await or yield at which a suspended call could no longer resume. Null when
    /// every one has its partner.</summary>
    /// <param name="change">What makes the new code: "the edit", or "the revert".</param>
    public string? Lost(string change = "the edit")
    {
        var paired = _lambdas.Values.ToHashSet();
        if (Lambdas(_old).FirstOrDefault(l => !paired.Contains(l)) is { } removed)
            return $"its {Describe(removed, change)} was removed or changed past recognition, and delegates made of it before {change} would throw";
        var resumed = Body(_new).Where(IsSuspensionPoint).Select(Map).ToHashSet();
        if (Body(_old).Where(IsSuspensionPoint).FirstOrDefault(p => !resumed.Contains(p)) is { } gone)
            return $"its {Describe(gone, change)} was removed or moved, and a call suspended there could not resume";
        return null;
    }

    static string Describe(SyntaxNode node, string change) =>
        $"{(node is LocalFunctionStatementSyntax f ? $"local function {f.Identifier.Text}" : node is AnonymousFunctionExpressionSyntax ? "lambda" : node is YieldStatementSyntax ? "yield" : "await")} " +
        $"(line {node.GetLocation().GetLineSpan().StartLinePosition.Line + 1} before {change})";

    /// <summary>Where an async method or an iterator suspends, each a state of its state machine.</summary>
    static bool IsSuspensionPoint(SyntaxNode node) => node is AwaitExpressionSyntax or YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldReturnStatement }
        || node is CommonForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
        || node is UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
        || node is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword };

    /// <summary>For Roslyn: the old node the new one continues, or null for a new one.</summary>
    public SyntaxNode? Map(SyntaxNode node)
    {
        if (!_new.FullSpan.Contains(node.Span) || node.SyntaxTree != _new.SyntaxTree) return null;
        if (IsLambda(node)) return _lambdas.GetValueOrDefault(node);
        var steps = new Stack<(int Kind, int Ordinal)>();
        var current = node;
        while (current != _new && !IsLambda(current))
        {
            var parent = current.Parent;
            if (parent is null) return null;
            steps.Push((current.RawKind, parent.ChildNodes().TakeWhile(c => c != current).Count(c => c.RawKind == current.RawKind)));
            current = parent;
        }
        SyntaxNode? old = current == _new ? _old : _lambdas.GetValueOrDefault(current);
        while (old is not null && steps.TryPop(out var step))
            old = old.ChildNodes().Where(c => c.RawKind == step.Kind).ElementAtOrDefault(step.Ordinal);
        return old;
    }

    static bool IsLambda(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    static List<SyntaxNode> Lambdas(SyntaxNode declaration) => Body(declaration).Where(IsLambda).ToList();

    /// <summary>The nodes of the method's code: a top-level program's are its global statements, not the file's types.</summary>
    static IEnumerable<SyntaxNode> Body(SyntaxNode declaration) => declaration is CompilationUnitSyntax unit
        ? unit.Members.OfType<GlobalStatementSyntax>().SelectMany(g => g.DescendantNodesAndSelf())
        : declaration.DescendantNodes();

    /// <summary>What tells lambdas apart when code around them changes: their kind, parameters, and what they are given
    /// to (the method they are an argument of, or the variable they are stored in).</summary>
    static string Shape(SyntaxNode lambda)
    {
        string parameters = lambda switch
        {
            ParenthesizedLambdaExpressionSyntax p => p.ParameterList.ToString(),
            SimpleLambdaExpressionSyntax s => s.Parameter.Identifier.Text,
            AnonymousMethodExpressionSyntax a => a.ParameterList?.ToString() ?? "",
            LocalFunctionStatementSyntax f => f.Identifier.Text + f.ParameterList,
            _ => "",
        };
        string anchor = "";
        for (var up = lambda.Parent; up is not null && up is not StatementSyntax and not MemberDeclarationSyntax; up = up.Parent)
        {
            if (up is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call })
            {
                anchor = call.Expression is MemberAccessExpressionSyntax member ? member.Name.Identifier.Text : call.Expression.ToString();
                break;
            }
            if (up is VariableDeclaratorSyntax declarator) { anchor = declarator.Identifier.Text; break; }
            if (up is AssignmentExpressionSyntax assignment) { anchor = assignment.Left.ToString(); break; }
        }
        return $"{lambda.Kind()} {parameters} @{anchor}";
    }

    /// <summary>Index pairs of a longest common subsequence of the two lists.</summary>
    static List<(int Old, int New)> CommonSubsequence(List<string> before, List<string> now)
    {
        var length = new int[before.Count + 1, now.Count + 1];
        for (int i = before.Count - 1; i >= 0; i--)
            for (int j = now.Count - 1; j >= 0; j--)
                length[i, j] = before[i] == now[j] ? length[i + 1, j + 1] + 1 : Math.Max(length[i + 1, j], length[i, j + 1]);
        var pairs = new List<(int, int)>();
        for (int i = 0, j = 0; i < before.Count && j < now.Count;)
        {
            if (before[i] == now[j]) { pairs.Add((i, j)); i++; j++; }
            else if (length[i + 1, j] >= length[i, j + 1]) i++;
            else j++;
        }
        return pairs;
    }
}
