using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Planning;

/// <summary>The syntax map of one method's update through the runtime: for a node of the new declaration (a lambda, a
/// local function, a closure's scope, a local, an await), the node of the old declaration it continues. With it Roslyn
/// updates the method's lambdas and state machine in place, so delegates and suspended calls made before the edit run
/// the new code; without it Roslyn re-creates them, and the old ones throw HotReloadException (native-notes/generics.md).
/// Lambdas are paired by their place among the method's lambdas (kind, parameters and the code around them); any other
/// node through its parent's partner, children aligned by text and kind. A lambda with no partner is new.</summary>
internal sealed class LambdaSyntaxMap
{
    readonly SyntaxNode _old, _new;
    readonly Dictionary<SyntaxNode, SyntaxNode> _lambdas = new();

    LambdaSyntaxMap(SyntaxNode oldDeclaration, SyntaxNode newDeclaration)
    {
        (_old, _new) = (oldDeclaration, newDeclaration);
        // Lambdas whose code around is unchanged anchor the rest, which pair by kind and parameters between them
        // (the statement around one was edited, say Range(1, 5) to Range(1, 3)).
        foreach (var (before, now) in Align(Lambdas(oldDeclaration), Lambdas(newDeclaration), Shape, (o, n) => Signature(o) == Signature(n)))
            _lambdas[now] = before;
    }

    /// <summary>The map between two declarations of the same method (the first syntax reference of each).</summary>
    public static LambdaSyntaxMap? Between(IMethodSymbol oldMethod, IMethodSymbol newMethod) =>
        oldMethod.DeclaringSyntaxReferences is [var oldReference, ..] && newMethod.DeclaringSyntaxReferences is [var newReference, ..]
            ? Between(oldReference.GetSyntax(), newReference.GetSyntax())
            : null;

    public static LambdaSyntaxMap Between(SyntaxNode oldDeclaration, SyntaxNode newDeclaration) => new(oldDeclaration, newDeclaration);

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

    /// <summary>Paired lambdas that capture a variable their old selves did not: the runtime's update gives their closure
    /// a new field, which closures made before the edit hold at its default. Each with its line and the variables.</summary>
    public IEnumerable<(int Line, string Variables)> NewCaptures(Compilation oldCompilation, Compilation newCompilation)
    {
        foreach (var (now, before) in _lambdas)
        {
            var added = Captured(newCompilation, now).Except(Captured(oldCompilation, before)).ToList();
            if (added.Count > 0)
                yield return (now.GetLocation().GetLineSpan().StartLinePosition.Line + 1, string.Join(", ", added.Select(v => $"'{v}'")));
        }
    }

    /// <summary>The names of the variables a lambda captures from around it.</summary>
    static IEnumerable<string> Captured(Compilation compilation, SyntaxNode lambda)
    {
        var flow = compilation.GetSemanticModel(lambda.SyntaxTree).AnalyzeDataFlow(lambda);
        return flow is { Succeeded: true }
            ? flow.Captured.Where(v => !v.Locations.Any(l => l.SourceTree == lambda.SyntaxTree && lambda.Span.Contains(l.SourceSpan))).Select(v => v.Name)
            : [];
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
        if (node.SyntaxTree != _new.SyntaxTree || !_new.FullSpan.Contains(node.Span)) return null;
        if (node == _new) return _old;
        if (IsLambda(node)) return _lambdas.GetValueOrDefault(node);
        if (node.Parent is not { } parent || Map(parent) is not { } oldParent) return null;
        if (!_children.TryGetValue(parent, out var pairs)) _children[parent] = pairs = AlignChildren(oldParent, parent);
        return pairs.GetValueOrDefault(node);
    }

    readonly Dictionary<SyntaxNode, Dictionary<SyntaxNode, SyntaxNode>> _children = new();

    /// <summary>The children of two paired nodes, paired: those with the same text (a statement inserted before them
    /// does not move them), then, between those, the rest by kind (an edited statement keeps its place).</summary>
    static Dictionary<SyntaxNode, SyntaxNode> AlignChildren(SyntaxNode oldParent, SyntaxNode newParent) =>
        Align(oldParent.ChildNodes().ToList(), newParent.ChildNodes().ToList(), Text, (o, n) => o.RawKind == n.RawKind)
            .ToDictionary(p => p.New, p => p.Old);

    /// <summary>Pairs two lists in order: a longest common subsequence of <paramref name="key"/>s, then, in each gap
    /// between two of those, the items <paramref name="alike"/> takes, in order.</summary>
    static List<(SyntaxNode Old, SyntaxNode New)> Align(List<SyntaxNode> before, List<SyntaxNode> now, Func<SyntaxNode, string> key,
        Func<SyntaxNode, SyntaxNode, bool> alike)
    {
        var pairs = new List<(SyntaxNode, SyntaxNode)>();
        int oldFrom = 0, newFrom = 0;
        foreach (var (oldIndex, newIndex) in CommonSubsequence(before.Select(key).ToList(), now.Select(key).ToList()).Append((before.Count, now.Count)))
        {
            var oldGap = before.GetRange(oldFrom, oldIndex - oldFrom);
            foreach (var candidate in now.GetRange(newFrom, newIndex - newFrom))
                if (oldGap.FirstOrDefault(o => alike(o, candidate)) is { } partner)
                {
                    pairs.Add((partner, candidate));
                    oldGap = oldGap.SkipWhile(o => o != partner).Skip(1).ToList();
                }
            if (oldIndex < before.Count) pairs.Add((before[oldIndex], now[newIndex]));
            (oldFrom, newFrom) = (oldIndex + 1, newIndex + 1);
        }
        return pairs;
    }

    static string Text(SyntaxNode node) => node.RawKind + " " + Collapse(node.ToString());

    static bool IsLambda(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    static List<SyntaxNode> Lambdas(SyntaxNode declaration) => Body(declaration).Where(IsLambda).ToList();

    /// <summary>The nodes of the method's code: a top-level program's are its global statements, not the file's types.</summary>
    static IEnumerable<SyntaxNode> Body(SyntaxNode declaration) => declaration is CompilationUnitSyntax unit
        ? unit.Members.OfType<GlobalStatementSyntax>().SelectMany(g => g.DescendantNodesAndSelf())
        : declaration.DescendantNodes();

    /// <summary>What tells lambdas apart when code around them changes: their kind, parameters, and the statement (or
    /// member) around them with the lambda itself cut out, so an edit of a lambda's body keeps its shape while a lambda
    /// added beside it (another MapGet, with its own route) has one of its own.</summary>
    static string Shape(SyntaxNode lambda)
    {
        // A local function is known by its name; a lambda by the innermost statement holding it.
        var around = lambda is LocalFunctionStatementSyntax ? null
            : lambda.Parent?.AncestorsAndSelf().FirstOrDefault(n => n is StatementSyntax or MemberDeclarationSyntax);
        string context = around is null ? "" : Collapse(around.ToString().Remove(lambda.SpanStart - around.SpanStart, lambda.Span.Length));
        return $"{Signature(lambda)} | {context}";
    }

    /// <summary>Its kind and parameters (a local function's name too).</summary>
    static string Signature(SyntaxNode lambda) => lambda.Kind() + " " + lambda switch
    {
        ParenthesizedLambdaExpressionSyntax p => Collapse(p.ParameterList.ToString()),
        SimpleLambdaExpressionSyntax s => s.Parameter.Identifier.Text,
        AnonymousMethodExpressionSyntax a => Collapse(a.ParameterList?.ToString() ?? ""),
        LocalFunctionStatementSyntax f => f.Identifier.Text + Collapse(f.ParameterList.ToString()),
        _ => "",
    };

    static string Collapse(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

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
