namespace Detour.Engine;

/// <summary>A detour could not be made, checked or undone. The message names the method and the reason.</summary>
internal sealed class DetourException : Exception
{
    public DetourException(string message, Exception? inner = null) : base(message, inner) { }
}
