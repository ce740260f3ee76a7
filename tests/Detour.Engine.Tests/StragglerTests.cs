using Detour.Engine.Platform;
using Iced.Intel;
using NUnit.Framework;

namespace Detour.Engine.Tests;

/// <summary>A thread the OS paused inside a method's first instructions resumes after the engine wrote its jump. The
/// test plays that thread: a thunk re-runs the original instructions before boundary b, as the paused thread already
/// had, then continues at b in the patched code. At every boundary the call must run a whole body: the new one when b
/// is at or before the jump, the old one after it. The engine's earlier 8-byte write tore the instruction at +1.</summary>
[NonParallelizable]
public unsafe class StragglerTests
{
    [SetUp]
    public void OnX64Only()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Ignore("x64 encodings; Arm64ArchitectureTests cover arm64's");
    }

    [TestCase(nameof(StragglerVirtuals.NoLocals))]
    [TestCase(nameof(StragglerVirtuals.TwoLocals))]
    [TestCase(nameof(StragglerVirtuals.StructLocal))]
    public void ThreadPausedAtAnyBoundary_ResumesIntoAWholeBody(string name)
    {
        var method = typeof(StragglerVirtuals).GetMethod(name)!;
        var target = new StragglerVirtuals();
        Assert.That(method.Invoke(target, [1]), Is.EqualTo(2));
        nint code = CompiledMethod.Locate(method, NativePlatform.Architecture).Code;
        var original = new ReadOnlySpan<byte>((void*)code, 48).ToArray();
        var boundaries = Boundaries(original, code).Where(b => b is > 0 and < 24).ToList();
        nint page = NativePlatform.Memory.MapNear(code, NativePlatform.Architecture.BranchReach, NativePlatform.Memory.PageSize, executable: true);
        Assert.That(page, Is.Not.Zero);
        var thunks = boundaries.Select((b, i) => WriteResumeThunk(page + i * 64, original, code, b)).ToList();

        var detour = Detours.Install(method, typeof(StragglerVirtuals).GetMethod(nameof(StragglerVirtuals.Replacement))!);
        try
        {
            int site = JumpOffset(original, code);
            TestContext.Out.WriteLine($"{name}: jump at +{site}; boundaries {string.Join(", ", boundaries)}");
            for (int i = 0; i < boundaries.Count; i++)
            {
                int got = ((delegate*<StragglerVirtuals, int, int>)thunks[i])(target, 1);
                Assert.That(got, Is.EqualTo(boundaries[i] <= site ? 3 : 2), $"resumed at +{boundaries[i]}");
            }
        }
        finally { detour.Undo(); }
        Assert.That(method.Invoke(target, [1]), Is.EqualTo(2), "undone");
    }

    static List<int> Boundaries(byte[] bytes, nint code)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), (ulong)code);
        var offsets = new List<int>();
        while (decoder.IP - (ulong)code < 32)
        {
            offsets.Add((int)(decoder.IP - (ulong)code));
            if (decoder.Decode().FlowControl != FlowControl.Next) break;
        }
        return offsets;
    }

    /// <summary>The first offset whose bytes the engine changed.</summary>
    static int JumpOffset(byte[] original, nint code)
    {
        for (int i = 0; i < original.Length; i++)
            if (*(byte*)(code + i) != original[i]) return Boundaries(original, code).Last(b => b <= i);
        throw new AssertionException("the engine wrote nothing into the code");
    }

    /// <summary>Re-runs the original instructions before <paramref name="boundary"/>, then jumps into the code there.</summary>
    static nint WriteResumeThunk(nint at, byte[] original, nint code, int boundary)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(original, 0, boundary), (ulong)code);
        var replayed = new List<Instruction>();
        while (decoder.IP - (ulong)code < (ulong)boundary) replayed.Add(decoder.Decode());
        replayed.Add(Instruction.Create(Code.Jmp_rm64, new MemoryOperand(Register.RIP, (long)at + 56)));
        var writer = new Writer();
        Assert.That(BlockEncoder.TryEncode(64, new InstructionBlock(writer, replayed, (ulong)at), out var error, out _), Is.True, error);
        Assert.That(writer.Bytes, Has.Count.LessThanOrEqualTo(56));
        writer.Bytes.CopyTo(new Span<byte>((void*)at, 56));
        *(nint*)(at + 56) = code + boundary;
        return at;
    }

    sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = new();
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
