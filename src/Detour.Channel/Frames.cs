using System.Buffers.Binary;


namespace Detour.Channel;

/// <summary>A message on the wire: a 4-byte little-endian length, then that many bytes of <see cref="Codec"/>.</summary>
public static class Frames
{
    public const int Version = 7;

    /// <summary>A delta is tens of kilobytes; anything past this is not a message of ours.</summary>
    public const int MaxBytes = 64 << 20;


    public static byte[] Encode(Message message)
    {
        return Codec.Encode(message);
    }

    public static void Write(Stream stream, Message message)
    {
        var frame = Encode(message);
        lock (stream)
        {
            stream.Write(frame);
            stream.Flush();
        }
    }

    /// <summary>The next message, or null at a clean end of the stream. A truncated, oversized or
    /// unreadable frame throws <see cref="ChannelException"/>: the peer is not speaking our protocol.</summary>
    public static Message? Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[4];
        int got = ReadFully(stream, header);
        if (got == 0) return null;
        if (got < 4) throw new ChannelException("truncated frame header");
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is <= 0 or > MaxBytes) throw new ChannelException($"frame of {length} bytes refused (at most {MaxBytes})");
        var body = new byte[length];
        if (ReadFully(stream, body) < length) throw new ChannelException("truncated frame");
        return Codec.Decode(body);
    }

    static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}

/// <summary>The peer broke the protocol; the connection is closed, nothing else is harmed.</summary>
public sealed class ChannelException(string message) : Exception(message);
