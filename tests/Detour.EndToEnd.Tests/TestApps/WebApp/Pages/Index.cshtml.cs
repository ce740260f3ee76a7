using Microsoft.AspNetCore.Mvc.RazorPages;

public sealed class IndexModel : PageModel
{
    public string Message { get; private set; } = "";
    public void OnGet() => Message = "page-0";
}
