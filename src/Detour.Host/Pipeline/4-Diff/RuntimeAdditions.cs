using Detour.Host.Model;

namespace Detour.Host.Diffing;

/// <summary>Which additions the app's runtime can make itself, by the capabilities it reports (.NET 10:
/// AddMethodToExistingType, AddStaticFieldToExistingType, AddInstanceFieldToExistingType, NewTypeDefinition and their
/// generic forms). What it adds is in the live assembly, so reflection and the frameworks see it.</summary>
internal readonly record struct RuntimeAdditions(LiveView View)
{
    public bool Can(string capability) => View.RuntimeCan(capability);

    public bool CanAddMethod(bool toGenericType) =>
        Can("AddMethodToExistingType") && (!toGenericType || Can("GenericAddMethodToExistingType"));

    public bool CanAddField(bool isStatic, bool toGenericType) =>
        Can(isStatic ? "AddStaticFieldToExistingType" : "AddInstanceFieldToExistingType") && (!toGenericType || Can("GenericAddFieldToExistingType"));
}
