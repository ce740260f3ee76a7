global using System.Text;
global using Money = decimal;
