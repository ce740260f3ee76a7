namespace Detour;

/// <summary>On a static field: when an edit changes the field's initializer, keep the value the program
/// has now instead of re-initializing it. Detour matches the attribute by name, so an app that does not
/// reference Detour may declare its own <c>KeepValueOnReloadAttribute</c> class.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class KeepValueOnReloadAttribute : Attribute;
