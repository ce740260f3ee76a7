using Microsoft.CodeAnalysis;

namespace Detour.Host.Model;

public static class DiagnosticText
{
    /// <summary>MSBuild's format, against the user's real file: "path(line,col): error CS0103: ...".</summary>
    public static string Format(Diagnostic d)
    {
        var span = d.Location.GetMappedLineSpan();
        string where = span.IsValid ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : "";
        return $"{where}{d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage()}";
    }

    /// <summary>"path(line,col)" of a type, or of its member when it has one of that name; the type's name when the
    /// compilation has no source for it.</summary>
    public static string Where(Compilation compilation, string typeMetadataName, string? member)
    {
        var type = compilation.GetTypeByMetadataName(MetadataNames.ToReflection(typeMetadataName));
        if (type is null) return typeMetadataName;
        var symbols = member is null ? [] : type.GetMembers(member);
        var locations = symbols.Length > 0 ? symbols[0].Locations : type.Locations;
        var span = locations.FirstOrDefault(l => l.IsInSource)?.GetLineSpan();
        return span is { } s ? $"{s.Path}({s.StartLinePosition.Line + 1},{s.StartLinePosition.Character + 1})" : typeMetadataName;
    }
}
