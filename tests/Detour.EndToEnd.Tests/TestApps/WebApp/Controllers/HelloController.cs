using Microsoft.AspNetCore.Mvc;

[ApiController]
[Route("hello")]
public sealed class HelloController : ControllerBase
{
    [HttpGet]
    public string Get() => "controller-0";
}
