namespace Edgemanage.Fleet;
