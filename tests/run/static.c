/* Statically linked: ptregs run cannot preload anything into it. */
int main(void)
{
	return 0;
}
