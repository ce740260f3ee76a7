using System.Text.Json.Serialization;
using CommunityToolkit.Mvvm.ComponentModel;
using CommunityToolkit.Mvvm.Input;

namespace Target;

public partial class Profile : ObservableObject
{
    [ObservableProperty]
    private string _name = "ada";

    public string Show() => Name;
}

public sealed record Reading(string Place, int Degrees);

[JsonSerializable(typeof(Reading))]
public partial class ReadingContext : JsonSerializerContext;

public static class Readings
{
    public static string Json() => System.Text.Json.JsonSerializer.Serialize(new Reading("Oslo", 3), ReadingContext.Default.Reading);
}
