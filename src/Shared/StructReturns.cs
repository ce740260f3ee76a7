using System.Reflection;

namespace Detour;

/// <summary>Which struct returns take a hidden pointer to the caller's buffer. On x64 that pointer is an argument: an
/// instance method passes it after <c>this</c>, a static one first, so a static replacement taking the instance first
/// would read the two swapped (native-notes/calling-conventions.md). Arm64 passes it in x8, outside the arguments.
/// The size is worked out from metadata (natural alignment, or the declared layout), so the compile host can ask it of
/// types it only reads. One source, compiled into the engine and the host.</summary>
internal static class StructReturns
{
    /// <param name="windowsX64">The Windows x64 convention, which returns in RAX only structs of 1, 2, 4 or 8 bytes;
    /// System V returns up to 16 bytes in registers.</param>
    /// <param name="arm64">The return buffer goes in x8, so it never clashes with <c>this</c>.</param>
    public static bool ThroughHiddenBuffer(Type type, bool windowsX64 = false, bool arm64 = false)
    {
        if (arm64 || !type.IsValueType || type.IsPrimitive || type.IsEnum || type.IsPointer || type.FullName == "System.Void") return false;
        int size = Size(type);
        return windowsX64 ? size is not (1 or 2 or 4 or 8) : size > 16;
    }

    /// <summary>The runtime's own size for a type it has loaded; worked out from metadata for one only read.</summary>
    static int Size(Type type)
    {
        try { return System.Runtime.CompilerServices.RuntimeHelpers.SizeOf(type.TypeHandle); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException) { return SizeOf(type).Size; }
    }

    static (int Size, int Align) SizeOf(Type type)
    {
        if (type.IsEnum) return SizeOf(type.GetEnumUnderlyingType());
        if (!type.IsValueType || type.IsPointer || type.IsByRef) return (8, 8);
        switch (type.FullName)
        {
            case "System.Boolean" or "System.Byte" or "System.SByte": return (1, 1);
            case "System.Char" or "System.Int16" or "System.UInt16" or "System.Half": return (2, 2);
            case "System.Int32" or "System.UInt32" or "System.Single": return (4, 4);
            case "System.Int64" or "System.UInt64" or "System.Double" or "System.IntPtr" or "System.UIntPtr": return (8, 8);
            case "System.Decimal" or "System.Int128" or "System.UInt128" or "System.Guid": return (16, 8);
        }
        int size = 0, align = 1;
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(Instance))
        {
            var (fieldSize, fieldAlign) = SizeOf(field.FieldType);
            size = (size + fieldAlign - 1) / fieldAlign * fieldAlign + fieldSize;
            align = Math.Max(align, fieldAlign);
        }
        int declared = type.StructLayoutAttribute?.Size ?? 0;
        size = Math.Max((size + align - 1) / align * align, declared);
        return (Math.Max(size, 1), align);
    }
}
