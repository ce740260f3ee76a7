var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddControllers();
builder.Services.AddRazorPages();
builder.Services.AddSingleton<Greeter>();
var app = builder.Build();
// The endpoint keeps this lambda's delegate from startup.
app.MapGet("/lambda", () => "lambda-0");
app.MapGet("/generic", () => new Wrapped<int>(7).Show() + " " + new Wrapped<string>("s").Show());
app.MapGet("/service", (Greeter greeter) => greeter.Greet());
app.MapControllers();
app.MapRazorPages();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("web: listening"));
app.Run();
