using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Detour.Channel;

/// <summary>A message on the wire: a 4-byte little-endian length, then that many bytes of UTF-8 JSON.</summary>
public static class Frames
{
    public const int Version = 1;

    /// <summary>A delta is tens of kilobytes; anything past this is not a message of ours.</summary>
    public const int MaxBytes = 64 << 20;


    public static byte[] Encode(Message message)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, ChannelJson.Default.Message);
        var frame = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, json.Length);
        json.CopyTo(frame, 4);
        return frame;
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
        try
        {
            return JsonSerializer.Deserialize(body, ChannelJson.Default.Message) ?? throw new ChannelException("empty message");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new ChannelException("unreadable message: " + e.Message);
        }
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

/// <summary>The serializer for the channel, made at compile time: no reflection over the messages in the app.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Message))]
internal sealed partial class ChannelJson : JsonSerializerContext;
