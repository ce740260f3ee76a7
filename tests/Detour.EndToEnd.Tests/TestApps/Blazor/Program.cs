var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddRazorComponents();
var app = builder.Build();
app.UseAntiforgery();
app.MapRazorComponents<Blazor.App>();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("web: listening"));
app.Run();
