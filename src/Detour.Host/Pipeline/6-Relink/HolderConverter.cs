using Mono.Cecil;
using MethodAttributes = Mono.Cecil.MethodAttributes;
using TypeAttributes = Mono.Cecil.TypeAttributes;

namespace Detour.Host.Relinking;

/// <summary>A delta type that exists live becomes a holder: a sealed class of static methods, each instance method
/// taking the instance first ('ref' for a struct), with no fields of its own but the static ones it re-initializes
/// or adds. The live type keeps its layout; the holder only lends it code.</summary>
internal static class HolderConverter
{
    public static void Convert(TypeDefinition t, Type liveType, bool isMappedClosure, LiveImporter import, ModuleDefinition module)
    {
        var self = import.Type(liveType);
        TypeReference thisType = liveType.IsValueType ? new ByReferenceType(self) : self;
        foreach (var m in t.Methods.ToList())
        {
            if (!m.HasBody) { t.Methods.Remove(m); continue; }
            if (m.IsStatic)
            {
                if (m.IsConstructor && isMappedClosure) t.Methods.Remove(m);
                continue;
            }
            var explicitThis = new ParameterDefinition("this", ParameterAttributes.None, thisType);
            var implicitThis = m.Body.ThisParameter;
            foreach (var ins in m.Body.Instructions)
                if (ReferenceEquals(ins.Operand, implicitThis)) ins.Operand = explicitThis;
            m.HasThis = false;
            m.Attributes = (m.Attributes | MethodAttributes.Static) &
                           ~(MethodAttributes.Virtual | MethodAttributes.Abstract | MethodAttributes.NewSlot | MethodAttributes.Final |
                             MethodAttributes.RTSpecialName | MethodAttributes.SpecialName | MethodAttributes.CheckAccessOnOverride);
            if (m.Name == ".ctor") m.Name = "ctor";
            m.Overrides.Clear();
            m.Parameters.Insert(0, explicitThis);
        }
        foreach (var f in t.Fields.Where(f => !f.IsStatic).ToList()) t.Fields.Remove(f);
        t.Properties.Clear();
        t.Events.Clear();
        t.Interfaces.Clear();
        t.BaseType = module.TypeSystem.Object;
        t.Attributes = (t.Attributes & ~(TypeAttributes.LayoutMask | TypeAttributes.Interface | TypeAttributes.Abstract)) | TypeAttributes.Sealed;
        t.ClassSize = -1;
        t.PackingSize = -1;
        t.GenericParameters.Clear();
    }
}
