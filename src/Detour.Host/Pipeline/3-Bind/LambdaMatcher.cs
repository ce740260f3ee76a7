using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Binding;

/// <summary>Where one lambda of a compile sits. <paramref name="Group"/> is its source method,
/// <paramref name="Closure"/> the class holding it ("&lt;&gt;c" or a display class), <paramref name="Context"/> the
/// statement around it with the lambda itself left out, so an edit of its body keeps its context; <paramref name="Text"/>
/// the lambda's own, which tells apart lambdas in like statements.</summary>
internal sealed record LambdaSite(MemberKey Group, string Closure, string Name, int MethodOrdinal, int Ordinal, string Context, string Text = "");

/// <summary>What matching found: by group, the renames made (a lambda by its closure type and compiled name, a display
/// class by its full name, each to the name it now has; empty when none was needed), the previous generation's lambdas
/// nothing matched, whose delegates keep their old bodies, and where the module's lambdas sit under their names after
/// the renames.</summary>
internal sealed record LambdaMatch(IReadOnlyDictionary<MemberKey, IReadOnlyDictionary<MemberKey, string>> Renames, IReadOnlyList<LambdaSite> Unmatched,
    Dictionary<MemberKey, LambdaSite> Sites)
{
    public static readonly LambdaMatch None = new(new Dictionary<MemberKey, IReadOnlyDictionary<MemberKey, string>>(), [], new());
}

/// <summary>The compiler numbers a method's lambdas in source order, so inserting one renames those after it. This
/// matches each lambda of a fresh compile to the previous generation's by its place in the syntax, as .NET's EnC does
/// with its syntax map, and renames it (and its delegate cache) to that lambda's name. Delegates the running program
/// made of a lambda then follow its new body (native-notes/lambda-numbering.md).</summary>
internal static class LambdaMatcher
{
    /// <summary>The lambdas of a module and where they sit.</summary>
    public static Dictionary<MemberKey, LambdaSite> Sites(ModuleDefinition module, IReadOnlyList<SyntaxTree> trees)
    {
        var sites = new Dictionary<MemberKey, LambdaSite>();
        foreach (var (method, parsed) in Lambdas(module))
            sites[MemberKey.Of(method)] = Placed(parsed, method, trees);
        return sites;
    }

    /// <summary>Renames the module's lambdas to the names of the previous lambdas they match.</summary>
    /// <param name="liveNames">Member names of a live closure class by full name: fresh names must not take one.</param>
    public static LambdaMatch Match(ModuleDefinition module, IReadOnlyList<SyntaxTree> trees, IReadOnlyDictionary<MemberKey, LambdaSite> previous,
        Func<string, IEnumerable<string>> liveNames)
    {
        var fresh = Lambdas(module).Select(l => (l.Method, Site: Placed(l.Site, l.Method, trees))).ToList();
        var renames = new Dictionary<MemberKey, IReadOnlyDictionary<MemberKey, string>>();
        var unmatched = new List<LambdaSite>();
        foreach (var group in fresh.Select(f => f.Site.Group).Union(previous.Values.Select(p => p.Group)).ToList())
        {
            var before = previous.Values.Where(p => p.Group == group).OrderBy(p => p.MethodOrdinal).ThenBy(p => p.Ordinal).ToList();
            var groupRenames = new Dictionary<MemberKey, string>();
            renames[group] = groupRenames;
            var classNames = MatchDisplayClasses(fresh.Where(f => f.Site.Group == group).Select(f => f.Method.DeclaringType).Distinct().ToList(),
                before, liveNames, groupRenames);
            var now = fresh.Where(f => f.Site.Group == group)
                .Select(f => (f.Method, Site: classNames.TryGetValue(f.Method.DeclaringType, out var name) ? f.Site with { Closure = name } : f.Site))
                .OrderBy(f => f.Site.MethodOrdinal).ThenBy(f => f.Site.Ordinal).ToList();
            var pairs = Align(before, now.Select(n => n.Site).ToList());
            var taken = new HashSet<(string Closure, string Name)>(pairs.Values.Select(b => (b.Closure, b.Name)));
            unmatched.AddRange(before.Where(b => !pairs.Values.Contains(b)));
            for (int i = 0; i < now.Count; i++)
            {
                var (method, site) = now[i];
                string liveClosure = method.DeclaringType.DeclaringType.FullName + "/" + site.Closure;
                string name = pairs.TryGetValue(i, out var match) ? match.Name : FreshName(site, liveClosure, before, now.Select(n => n.Site), taken, liveNames);
                taken.Add((site.Closure, name));
                if (name != method.Name) groupRenames[new MemberKey(method.DeclaringType.FullName, method.Name)] = name;
            }
        }
        Rename(module, renames.Values.SelectMany(r => r).ToDictionary(r => r.Key, r => r.Value));
        // The sites under their new names: parsed again from them, with the syntax they were placed at.
        var sites = new Dictionary<MemberKey, LambdaSite>();
        foreach (var (method, site) in fresh)
            if (Parse(method.DeclaringType, method.Name) is { } renamed)
                sites[MemberKey.Of(method)] = renamed with { Context = site.Context, Text = site.Text };
        return new LambdaMatch(renames, unmatched, sites);
    }

    /// <summary>Display classes are named after the method's ordinal and the capture scope's ("&lt;&gt;c__DisplayClass5_0"), so a
    /// method inserted above, or a scope above, renames them. Each fresh one of the group takes the name of the previous
    /// one that captures the same variables, in order (a longest common subsequence). Returns each fresh display class's name after matching, and adds the
    /// renames (keyed by the compiled full name) to <paramref name="renames"/>.</summary>
    static Dictionary<TypeDefinition, string> MatchDisplayClasses(List<TypeDefinition> fresh, List<LambdaSite> before,
        Func<string, IEnumerable<string>> liveNames, Dictionary<MemberKey, string> renames)
    {
        var names = new Dictionary<TypeDefinition, string>();
        var displays = fresh.Where(t => CompilerNames.IsDisplayClass(t.Name)).OrderBy(t => ScopeOrder(t.Name)).ToList();
        if (displays.Count == 0) return names;
        string owner = displays[0].DeclaringType.FullName;
        static HashSet<string> Captures(IEnumerable<string> members) =>
            members.Where(m => !CompilerNames.IsLambda(m) && m != ".ctor").ToHashSet();
        var old = before.Select(b => b.Closure).Where(CompilerNames.IsDisplayClass).Distinct()
            .OrderBy(ScopeOrder).Select(c => (Name: c, Captures: Captures(liveNames(owner + "/" + c)))).Where(o => o.Captures.Count > 0).ToList();
        foreach (var (i, j) in CommonSubsequence(old, displays, (o, d) => o.Captures.SetEquals(d.Fields.Select(f => f.Name))))
            names[displays[j]] = old[i].Name;
        // One that matches none keeps its name, so the relinker compares it with the live class of that name and says how
        // their captures differ; it moves only off a name a matched one now takes.
        var taken = new HashSet<string>(names.Values);
        var inUse = new HashSet<string>(old.Select(o => o.Name).Concat(names.Values).Concat(liveNames(owner)));
        foreach (var display in displays.Where(d => !names.ContainsKey(d)))
        {
            string name = display.Name;
            var (method, scope) = ScopeOrder(name);
            if (taken.Contains(name))
                while (inUse.Contains(name)) name = $"{CompilerNames.DisplayClassPrefix}{method}_{++scope}";
            inUse.Add(name);
            taken.Add(name);
            names[display] = name;
        }
        foreach (var (display, name) in names)
            if (name != display.Name) renames[MemberKey.ForType(display.FullName)] = name;
        return names;
    }

    /// <summary>(method ordinal, scope ordinal) of a display class name.</summary>
    static (int Method, int Scope) ScopeOrder(string displayClass)
    {
        var parts = displayClass[CompilerNames.DisplayClassPrefix.Length..].Split('_');
        return parts.Length == 2 && int.TryParse(parts[0], out int m) && int.TryParse(parts[1], out int s) ? (m, s) : (int.MaxValue, int.MaxValue);
    }

    /// <summary>Applies renames to lambdas and their delegate caches ("&lt;&gt;9__m_k" follows "&lt;M&gt;b__m_k"), and to
    /// display classes.</summary>
    public static void Rename(ModuleDefinition module, IReadOnlyDictionary<MemberKey, string> renames)
    {
        if (renames.Count == 0) return;
        var work = new List<(IMemberDefinition Member, string Name)>();
        foreach (var t in ModuleTypes.All(module).Where(IsClosure))
        {
            if (renames.TryGetValue(MemberKey.ForType(t.FullName), out var typeName)) work.Add((t, typeName));
            foreach (var m in t.Methods)
            {
                if (!renames.TryGetValue(new MemberKey(t.FullName, m.Name), out var to)) continue;
                work.Add((m, to));
                if (t.Name == CompilerNames.LambdaClass && t.Fields.FirstOrDefault(f => f.Name == CompilerNames.DelegateCacheOf(m.Name)) is { } cache)
                    work.Add((cache, CompilerNames.DelegateCacheOf(to)));
            }
        }
        // All names are looked up before any changes, so a rename chain (0 to 1, 1 to 2) cannot catch its own tail.
        foreach (var (member, name) in work) member.Name = name;
    }

    static bool IsClosure(TypeDefinition t) => t.DeclaringType is not null && CompilerNames.IsClosureClass(t.Name);

    static IEnumerable<(MethodDefinition Method, LambdaSite Site)> Lambdas(ModuleDefinition module)
    {
        foreach (var t in ModuleTypes.All(module).Where(IsClosure))
        foreach (var m in t.Methods)
            if (Parse(t, m.Name) is { } site) yield return (m, site);
    }

    /// <summary>"&lt;M&gt;b__5_0" in &lt;&gt;c, or "&lt;M&gt;b__1" in &lt;&gt;c__DisplayClass5_0 (5: the method's ordinal in
    /// its type, 0 or 1: the lambda's in its method).</summary>
    static LambdaSite? Parse(TypeDefinition closure, string name)
    {
        if (CompilerNames.LambdaOrdinals(name) is not { } numbers) return null;
        var group = new MemberKey(closure.DeclaringType.FullName, CompilerNames.OwningMethod(name));
        if (closure.Name == CompilerNames.LambdaClass)
        {
            var parts = numbers.Split('_');
            return parts.Length == 2 && int.TryParse(parts[0], out int m) && int.TryParse(parts[1], out int k)
                ? new LambdaSite(group, closure.Name, name, m, k, "") : null;
        }
        var scope = closure.Name[CompilerNames.DisplayClassPrefix.Length..].Split('_');
        return int.TryParse(numbers, out int ordinal) && scope.Length == 2 && int.TryParse(scope[0], out int method)
            ? new LambdaSite(group, closure.Name, name, method, ordinal, "") : null;
    }

    /// <summary>Pairs fresh lambdas (by index) with previous ones, in passes that each work between the pairs the last one
    /// fixed: same closure class, context and text; then same closure class and context (the lambda's body was edited);
    /// then, where both sides have as many left over, those in order when their closure classes agree (a statement
    /// around a lambda was edited). Each pass takes a longest common subsequence, so order is kept.</summary>
    static Dictionary<int, LambdaSite> Align(List<LambdaSite> before, List<LambdaSite> now)
    {
        var pairs = new Dictionary<int, LambdaSite>();
        AlignBetween(before, 0, before.Count, now, 0, now.Count, pass: 0, pairs);
        return pairs;
    }

    static readonly Func<LambdaSite, LambdaSite, bool>[] Passes =
    [
        (b, n) => b.Closure == n.Closure && b.Context == n.Context && b.Text == n.Text,
        (b, n) => b.Closure == n.Closure && b.Context == n.Context,
    ];

    static void AlignBetween(List<LambdaSite> before, int b0, int b1, List<LambdaSite> now, int n0, int n1, int pass, Dictionary<int, LambdaSite> pairs)
    {
        if (b0 >= b1 || n0 >= n1) return;
        if (pass == Passes.Length)
        {
            if (b1 - b0 == n1 - n0)
                for (int k = 0; k < b1 - b0; k++)
                    if (before[b0 + k].Closure == now[n0 + k].Closure) pairs[n0 + k] = before[b0 + k];
            return;
        }
        int fromB = b0, fromN = n0;
        foreach (var (i, j) in CommonSubsequence(before.GetRange(b0, b1 - b0), now.GetRange(n0, n1 - n0), Passes[pass]))
        {
            AlignBetween(before, fromB, b0 + i, now, fromN, n0 + j, pass + 1, pairs);
            pairs[n0 + j] = before[b0 + i];
            fromB = b0 + i + 1;
            fromN = n0 + j + 1;
        }
        AlignBetween(before, fromB, b1, now, fromN, n1, pass + 1, pairs);
    }

    /// <summary>The index pairs of a longest common subsequence of <paramref name="a"/> and <paramref name="b"/>, in order.</summary>
    static List<(int I, int J)> CommonSubsequence<TA, TB>(IReadOnlyList<TA> a, IReadOnlyList<TB> b, Func<TA, TB, bool> same)
    {
        var length = new int[a.Count + 1, b.Count + 1];
        for (int i = a.Count - 1; i >= 0; i--)
        for (int j = b.Count - 1; j >= 0; j--)
            length[i, j] = same(a[i], b[j]) ? length[i + 1, j + 1] + 1 : Math.Max(length[i + 1, j], length[i, j + 1]);
        var pairs = new List<(int, int)>();
        for (int i = 0, j = 0; i < a.Count && j < b.Count;)
        {
            if (same(a[i], b[j])) pairs.Add((i++, j++));
            else if (length[i + 1, j] >= length[i, j + 1]) i++;
            else j++;
        }
        return pairs;
    }

    /// <summary>A name for a lambda that matched none: its own ordinal moved past every name in use.</summary>
    static string FreshName(LambdaSite site, string closureType, List<LambdaSite> before, IEnumerable<LambdaSite> now, HashSet<(string Closure, string Name)> taken,
        Func<string, IEnumerable<string>> liveNames)
    {
        string member = site.Group.Name;
        string Named(int ordinal) => CompilerNames.Lambda(member, site.Closure == CompilerNames.LambdaClass ? $"{site.MethodOrdinal}_{ordinal}" : $"{ordinal}");
        var inUse = new HashSet<(string Closure, string Name)>(taken);
        inUse.UnionWith(before.Select(b => (b.Closure, b.Name)));
        inUse.UnionWith(liveNames(closureType).Select(n => (site.Closure, n)));
        if (!inUse.Contains((site.Closure, site.Name))) return site.Name;
        int next = Math.Max(site.Ordinal, before.Concat(now).Select(s => s.Ordinal).DefaultIfEmpty(0).Max()) + 1;
        while (inUse.Contains((site.Closure, Named(next)))) next++;
        return Named(next);
    }

    /// <summary>The site with its syntax: the lambda whose code the method holds, found through the method's first
    /// sequence point.</summary>
    static LambdaSite Placed(LambdaSite site, MethodDefinition method, IReadOnlyList<SyntaxTree> trees)
    {
        var point = method.DebugInformation?.SequencePoints.FirstOrDefault(p => !p.IsHidden);
        var tree = point is null ? null : trees.FirstOrDefault(t => PathsEqual(t.FilePath, point.Document.Url));
        if (point is null || tree is null) return site;
        var text = tree.GetText();
        if (point.StartLine - 1 >= text.Lines.Count) return site;
        int position = text.Lines[point.StartLine - 1].Start + point.StartColumn - 1;
        var lambda = tree.GetRoot().FindToken(position).Parent?.AncestorsAndSelf().OfType<AnonymousFunctionExpressionSyntax>().FirstOrDefault();
        return lambda is null ? site : site with { Context = ContextOf(lambda), Text = Collapse(lambda.ToString()) };
    }

    /// <summary>The statement (or member body, or initializer) around the lambda, with the lambda's own text replaced by
    /// a marker and its parameters, whitespace collapsed, after the member's name and parameters.</summary>
    static string ContextOf(AnonymousFunctionExpressionSyntax lambda)
    {
        SyntaxNode around = lambda.Parent!;
        while (around is not (StatementSyntax or MemberDeclarationSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax) && around.Parent is not null)
            around = around.Parent;
        var member = lambda.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        string whole = around.ToString();
        int from = lambda.SpanStart - around.SpanStart;
        string marked = whole[..from] + "λ" + lambda.ParameterList() + whole[(from + lambda.Span.Length)..];
        return Collapse(member is null ? "" : MemberName(member)) + "|" + Collapse(marked);
    }

    static string ParameterList(this AnonymousFunctionExpressionSyntax lambda) => lambda switch
    {
        SimpleLambdaExpressionSyntax s => "(" + s.Parameter.Identifier.Text + ")",
        ParenthesizedLambdaExpressionSyntax p => p.ParameterList.ToString(),
        AnonymousMethodExpressionSyntax a => a.ParameterList?.ToString() ?? "()",
        _ => "",
    };

    static string MemberName(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text + m.ParameterList,
        PropertyDeclarationSyntax p => p.Identifier.Text,
        ConstructorDeclarationSyntax => ".ctor",
        GlobalStatementSyntax => CompilerNames.TopLevelEntryPoint,
        _ => member.Kind().ToString(),
    };

    static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    static bool PathsEqual(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
