namespace Target;

/// <summary>A game board the way console games keep one: multi-dimensional and jagged arrays in fields, and a
/// closure that captures one.</summary>
public enum Tile { Empty, Wall, Coin }

public class Board
{
    static readonly Tile[,] Tiles = { { Tile.Empty, Tile.Wall }, { Tile.Coin, Tile.Empty } };
    Tile[][] _jagged = [[Tile.Wall], [Tile.Coin, Tile.Coin]];

    public int Score()
    {
        var local = new Tile[2, 2];
        local[1, 1] = Tile.Coin;
        Func<int> count = () => (local[1, 1] == Tile.Coin ? 1 : 0) + (Tiles[1, 0] == Tile.Coin ? 10 : 0);
        return count() + _jagged[1].Length;
    }

    public static int[,] Grid = new int[3, 3];
    readonly char[,] _cells = new char[2, 2];
    readonly int[][] _rows = [[1, 2], [3]];

    public int Mark(int x, int y)
    {
        Grid[x, y] = 1;
        _cells[x % 2, y % 2] = 'x';
        return Grid[x, y] + _rows[0][1];
    }

    public static int Sum()
    {
        var map = new int[2, 2] { { 1, 2 }, { 3, 4 } };
        Func<int> total = () => map[0, 0] + map[1, 1];
        return total();
    }
}
