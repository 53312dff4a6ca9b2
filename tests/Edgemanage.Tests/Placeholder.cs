namespace Edgemanage.Tests;
