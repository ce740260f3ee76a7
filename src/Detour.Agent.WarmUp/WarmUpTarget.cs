namespace Detour.Agent.WarmUp;

public static class WarmUpTarget
{
    public static int Original(int x) => x;
    public static int Replacement(int x) => x + 1;
}
