"""Name lists for the synthetic population, by cultural pool and sex.

Each pool lists names roughly from most to least common; draws use Zipf-like
weights over that order. A person's forename and surname pools are drawn from
the mixture for their census ethnic group (so a White British person is mostly
given names from the British pool, some from the Jewish or Irish pools). None
of these is a real person: forenames and surnames are combined at random.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NamePool:
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


POOLS: Mapping[str, NamePool] = {
    "british": NamePool(
        male=_split(
            "Oliver, George, Harry, Jack, Thomas, William, James, Noah, Charlie, Jacob, Oscar, Henry, Leo, Alfie,"
            " Joshua, Freddie, Archie, Ethan, Isaac, Alexander, Joseph, Edward, Samuel, Max, Daniel, Arthur,"
            " Benjamin, Theodore, Matthew, David, Michael, Christopher, Andrew, Richard, Robert, John, Paul, Mark,"
            " Stephen, Peter, Anthony, Simon, Jonathan, Nicholas, Timothy, Patrick, Philip, Gary, Kevin, Ian,"
            " Graham, Colin, Keith, Trevor, Raymond, Kenneth, Ronald, Dennis, Frederick, Albert, Alfred, Douglas,"
            " Gordon, Geoffrey, Leonard, Norman, Stanley, Lawrence, Nathaniel, Zachary, Dominic, Sebastian, Tobias,"
            " Reuben, Elliot, Callum, Connor, Lewis, Ryan, Adam, Luke, Jake, Liam, Gregory, Jeffrey, Terence,"
            " Francis, Harold, Bernard, Victor, Louis, Gabriel, Herbert, Walter, Reginald, Donald, Gerald, Charles"
        ),
        female=_split(
            "Olivia, Amelia, Isla, Ava, Mia, Ivy, Lily, Isabella, Rosie, Sophia, Grace, Freya, Florence, Willow,"
            " Evie, Poppy, Charlotte, Sophie, Emily, Jessica, Chloe, Zoë, Hannah, Lucy, Ellie, Emma, Katherine,"
            " Elizabeth, Margaret, Susan, Patricia, Deborah, Rebecca, Rachel, Sarah, Victoria, Alexandra,"
            " Catherine, Jennifer, Helen, Julie, Karen, Nicola, Joanne, Michelle, Samantha, Amanda, Claire,"
            " Louise, Jane, Mary, Anne, Barbara, Dorothy, Joan, Jean, Brenda, Sheila, Pauline, Christine, Valerie,"
            " Gillian, Janet, Linda, Maureen, Doreen, Beryl, Irene, Eleanor, Abigail, Harriet, Matilda, Imogen,"
            " Phoebe, Megan, Lauren, Bethany, Natalie, Stephanie, Josephine, Frances, Judith, Penelope, Rosemary,"
            " Angela, Philippa, Amelie, Constance, Beatrice, Isobel, Jacqueline, Diana, Gwendolyn, Virginia"
        ),
        surnames=_split(
            "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, Robinson,"
            " Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, Clarke, Jackson, Wood,"
            " Turner, Martin, Cooper, Hill, Ward, Morris, Moore, Clark, Lee, King, Baker, Harrison, Morgan, Allen,"
            " James, Scott, Phillips, Watson, Davis, Parker, Price, Bennett, Young, Griffiths, Mitchell, Kelly,"
            " Cook, Carter, Richardson, Bailey, Collins, Bell, Shaw, Murphy, Miller, Cox, Richards, Marshall,"
            " Simpson, Ellis, Adams, Wilkinson, Anderson, Foster, Chapman, Mason, Webb, Rogers, Hunt, Palmer,"
            " Holmes, Mills, Barnes, Knight, Lloyd, Butler, Russell, Barker, Fisher, Stevens, Jenkins, Dixon,"
            " Fletcher, Howard, Gibson, Pearson, Fox, Grant, Henderson, Smith-Jones, Ashworth-Clarke,"
            " Fraser-Hughes, Taylor-Wood, Lloyd-Evans, Bowes-Lyon, Heath-Stubbs"
        ),
    ),
    "jewish": NamePool(
        male=_split(
            "David, Daniel, Benjamin, Jonathan, Samuel, Joshua, Aaron, Eli, Nathan, Yosef, Moshe, Avi, Ari,"
            " Gideon, Jacob, Reuben, Solomon, Isaac, Simon, Elliot, Raphael, Zvi"
        ),
        female=_split(
            "Rachel, Sarah, Rebecca, Miriam, Leah, Hannah, Esther, Naomi, Tamar, Shira, Talia, Yael, Ruth,"
            " Deborah, Judith, Abigail, Chana, Dina, Tova, Avital"
        ),
        surnames=_split(
            "Cohen, Levy, Goldberg, Shapiro, Friedman, Rosenberg, Katz, Levine, Goldstein, Schwartz, Klein, Gold,"
            " Stern, Weiss, Rosen, Abrahams, Jacobs, Isaacs, Samuels, Silverman, Grossman, Kaplan, Berg, Segal,"
            " Lazarus, Marks, Hyams, Freedman, Ben-David, Bloom"
        ),
    ),
    "irish": NamePool(
        male=_split(
            "Patrick, Sean, Seán, Ciarán, Declan, Conor, Niall, Eoin, Liam, Cillian, Darragh, Oisín, Padraig,"
            " Brendan, Kieran, Colm, Fergal, Ronan, Shane, Aidan, Michael, John, Kevin, Brian, Dermot"
        ),
        female=_split(
            "Siobhán, Niamh, Aoife, Róisín, Saoirse, Orla, Ciara, Sinéad, Aisling, Caoimhe, Mairead, Bridget,"
            " Maeve, Clodagh, Grainne, Deirdre, Eileen, Mary, Kathleen, Nora"
        ),
        surnames=_split(
            "Murphy, Kelly, O'Brien, O'Sullivan, Walsh, O'Connor, McCarthy, Byrne, Ryan, O'Neill, Doyle,"
            " Gallagher, Kennedy, Lynch, Quinn, Brennan, Doherty, McLaughlin, Fitzgerald, O'Reilly, Flanagan,"
            " Casey, Donnelly, McDonagh, Connors, Maguire, O'Donnell, Sheridan, Keane, Maughan, Joyce"
        ),
    ),
    "traveller": NamePool(
        male=_split("John, Patrick, Michael, Martin, Thomas, James, Johnny, Paddy, Tom, William"),
        female=_split("Mary, Bridget, Margaret, Kathleen, Nora, Ellen, Julia, Ann, Helen, Rose"),
        surnames=_split("Ward, Connors, McDonagh, Maughan, Joyce, Doherty, Lee, Smith, Price, Boswell, Cash, Stokes"),
    ),
    "east_european": NamePool(
        male=_split(
            "Jakub, Piotr, Tomasz, Krzysztof, Andrei, Alexandru, Ionuț, Mihai, Ivan, Dimitar, Gábor, László,"
            " Mantas, Lukas, Stefan, Marius, Florin, Bogdan, Paweł, Marek"
        ),
        female=_split(
            "Zofia, Agnieszka, Katarzyna, Magdalena, Ioana, Elena, Andreea, Maria, Mariya, Ivana, Zsófia, Eszter,"
            " Rūta, Greta, Anja, Alina, Natalia, Monika"
        ),
        surnames=_split(
            "Nowak, Kowalski, Wiśniewski, Wójcik, Kamiński, Popescu, Ionescu, Popa, Constantin, Dumitru, Stan,"
            " Ivanov, Petrov, Dimitrov, Nagy, Kovács, Horváth, Kazlauskas, Zielinski, Georgescu"
        ),
    ),
    "south_european": NamePool(
        male=_split(
            "Marco, Luca, Giovanni, Alessandro, Matteo, Andreas, Georgios, Christos, Nikolaos, João, Tiago, Pedro,"
            " Nicolas, Mathieu, François, Adrián, Sergio, Panayiotis, Costas, Antonio"
        ),
        female=_split(
            "Giulia, Francesca, Chiara, Eleni, Despina, Androulla, Ana, Beatriz, Inês, Chloé, Camille, Amélie,"
            " Élodie, Lucía, Sofía, Maria, Christina, Anastasia"
        ),
        surnames=_split(
            "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Papadopoulos, Georgiou, Christodoulou,"
            " Constantinou, Ioannou, Charalambous, Silva, Santos, Ferreira, Pereira, Costa, Oliveira, Dubois,"
            " Lefèvre, Müller, Schmidt, Fernández, López, Martínez"
        ),
    ),
    "roma": NamePool(
        male=_split("Marius, Florin, Gheorghe, Ionel, Costel, Nicu, Adrian, Daniel, Vasile, Ștefan"),
        female=_split("Florentina, Mirela, Ramona, Loredana, Mariana, Elena, Nicoleta, Roxana, Daniela, Georgiana"),
        surnames=_split("Lăcătuș, Stoica, Rădulescu, Zanfir, Căldăraru, Dinu, Balog, Lakatos, Oláh, Ciurar"),
    ),
    "indian": NamePool(
        male=_split(
            "Arjun, Rahul, Rohan, Amit, Vikram, Sanjay, Raj, Ravi, Anil, Suresh, Nikhil, Aarav, Vivaan, Krishna,"
            " Dev, Harpreet, Gurpreet, Jaspal, Manjit, Sunil, Deepak, Ajay, Pranav, Ishaan, Kiran"
        ),
        female=_split(
            "Priya, Anjali, Pooja, Neha, Sunita, Asha, Kavita, Meera, Divya, Riya, Ananya, Aanya, Shreya, Nisha,"
            " Rekha, Geeta, Harjit, Simran, Jaspreet, Lakshmi, Deepa, Sita, Hema, Komal, Bhavna"
        ),
        surnames=_split(
            "Patel, Shah, Sharma, Singh, Kaur, Gupta, Kumar, Mehta, Desai, Joshi, Pandya, Chauhan, Thakkar, Rao,"
            " Reddy, Nair, Iyer, Menon, Sandhu, Gill, Dhillon, Bhatt, Kapoor, Malhotra, Verma, Chopra, Parekh,"
            " Mistry, Raval, Vora, D'Souza, Fernandes, D'Mello"
        ),
    ),
    "south_asian_muslim": NamePool(
        male=_split(
            "Muhammad, Mohammed, Ahmed, Ali, Hassan, Hussain, Imran, Bilal, Usman, Zain, Ibrahim, Yusuf, Adnan,"
            " Faisal, Tariq, Kamran, Rizwan, Shahid, Abdul, Omar, Rahim, Karim, Jamal, Rafiq, Anwar"
        ),
        female=_split(
            "Fatima, Ayesha, Aisha, Maryam, Zainab, Amina, Khadija, Sana, Nadia, Saima, Shazia, Rubina, Nasreen,"
            " Farzana, Shamima, Salma, Hafsa, Iqra, Mehreen, Samina, Tahmina, Rukhsana, Yasmin, Sadia, Hina"
        ),
        surnames=_split(
            "Khan, Hussain, Ahmed, Ali, Akhtar, Iqbal, Malik, Mahmood, Raja, Butt, Qureshi, Chaudhry, Rahman,"
            " Begum, Islam, Miah, Uddin, Chowdhury, Hossain, Alam, Sheikh, Siddiqui, Ansari, Bibi, Rashid"
        ),
    ),
    "chinese": NamePool(
        male=_split("Wei, Jun, Hao, Jian, Ming, Lei, Tao, Yong, Zhi, Kai, Jason, Kevin, Eric, Michael, Yu-Hang"),
        female=_split("Mei, Ling, Xiu, Yan, Hui, Fang, Jing, Xin, Yu, Jia, Qian, Ying, Grace, Amy, Jenny"),
        surnames=_split(
            "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Wong, Chan, Leung,"
            " Lam, Cheung, Ho, Ng, Tang, Lau, Yip"
        ),
    ),
    "other_asian": NamePool(
        male=_split(
            "Kumaran, Tharshan, Niroshan, Jose, Mark, Rodel, Ahmad, Farid, Mohammad, Hiroshi, Takeshi, Min-jun,"
            " Ji-ho, Minh, Tuan, Bikash, Prakash, Sanjeev, Ramesh, Dilshan"
        ),
        female=_split(
            "Tharani, Kavitha, Nirmala, Maricel, Jocelyn, Rowena, Mariam, Farida, Yuki, Haruka, Seo-yeon, Ji-woo,"
            " Linh, Thu, Anjana, Sabina, Lalitha, Nimali"
        ),
        surnames=_split(
            "Sivakumar, Rajendran, Nadarajah, Selvarajah, Thuraisingam, Santos, Reyes, Cruz, Bautista, Mendoza,"
            " Ahmadzai, Popal, Karimi, Sato, Tanaka, Suzuki, Kim, Park, Choi, Nguyen, Tran, Pham, Gurung, Thapa,"
            " Rai, Shrestha, Perera, Fernando, D'Souza, De Silva"
        ),
    ),
    "african": NamePool(
        male=_split(
            "Chinedu, Oluwaseun, Emeka, Tunde, Babatunde, Kwame, Kofi, Kwabena, Yaw, Abdi, Abdullahi, Mohamed,"
            " Ahmed, Tesfaye, Yonas, Tendai, Tafadzwa, Samuel, Emmanuel, Daniel, David, Joseph, Michael, Ifeanyi,"
            " Segun"
        ),
        female=_split(
            "Adaeze, Chiamaka, Ngozi, Folake, Funmilayo, Abimbola, Oluwakemi, Ama, Akosua, Abena, Efua, Amina,"
            " Hodan, Fadumo, Sahra, Hawa, Ruth, Grace, Blessing, Precious, Mercy, Faith, Esther, Tsion, Rutendo"
        ),
        surnames=_split(
            "Okafor, Okonkwo, Adeyemi, Adebayo, Oluwole, Ogunleye, Eze, Nwosu, Obi, Mensah, Osei, Boateng,"
            " Asante, Owusu, Appiah, Mohamed, Abdi, Ali, Hassan, Farah, Warsame, Tesfay, Gebremedhin, Moyo,"
            " Ncube, Banda, Mwangi, Otieno, Kamara, Sesay"
        ),
    ),
    "caribbean": NamePool(
        male=_split(
            "Delroy, Winston, Errol, Leroy, Marcus, Tyrone, Jermaine, Andre, Devon, Nathaniel, Michael, David,"
            " Anthony, Mark, Joshua, Daniel, Kyle, Jordan"
        ),
        female=_split(
            "Marcia, Beverley, Sharon, Jacqueline, Tanisha, Keisha, Shanice, Aaliyah, Monique, Yvonne, Michelle,"
            " Nicole, Jasmine, Chantelle, Simone, Amber"
        ),
        surnames=_split(
            "Campbell, Brown, Williams, Thompson, Johnson, Clarke, Francis, Grant, Reid, Henry, Lewis, Morgan,"
            " Bailey, Gordon, Stewart, Samuels, Robinson, Wright, Douglas, Blake, Forbes, Hylton, McKenzie, Powell"
        ),
    ),
    "arab": NamePool(
        male=_split(
            "Omar, Ahmad, Khaled, Youssef, Hassan, Karim, Ali, Samir, Tariq, Nabil, Walid, Mahmoud, Fadi, Rami,"
            " Ziad, Hamza"
        ),
        female=_split(
            "Layla, Noor, Mariam, Fatima, Yasmin, Rania, Hala, Dina, Salma, Lina, Reem, Amal, Huda, Nour, Farah, Zeina"
        ),
        surnames=_split(
            "Al-Hassan, El-Sayed, Haddad, Khalil, Mansour, Nasser, Saleh, Hamdan, Abboud, Al-Amin, Ibrahim,"
            " Farouk, Darwish, Aziz, Bakr, Salem, Taha, Yousef, Zaki, Al-Masri"
        ),
    ),
    "other": NamePool(
        male=_split(
            "Reza, Ali, Mehdi, Amir, Hossein, Dariush, Mehmet, Mustafa, Emre, Murat, Serkan, Kemal, José, Juan,"
            " Carlos, Luis, Diego, Andrés, Ahmad, Farhad"
        ),
        female=_split(
            "Maryam, Zahra, Shirin, Parisa, Leila, Niloufar, Elif, Ayşe, Zeynep, Fatma, Emine, María, Ana, Camila,"
            " Valentina, Gabriela, Daniela, Lucía, Nasrin"
        ),
        surnames=_split(
            "Ahmadi, Hosseini, Mohammadi, Karimi, Rezaei, Moradi, Rahimi, Yılmaz, Kaya, Demir, Şahin, Çelik,"
            " Öztürk, Aydın, García, Rodríguez, González, Hernández, Pérez, Sánchez, Ramírez, Torres, Flores, Gómez"
        ),
    ),
}

POOL_NAMES: tuple[str, ...] = tuple(POOLS)

# Census 2021 ethnic group (1..19) -> mixture of pools for forenames and surnames.
_FORENAME_MIX: Mapping[int, Mapping[str, float]] = {
    1: {"south_asian_muslim": 1.0},
    2: {"chinese": 0.8, "british": 0.2},
    3: {"indian": 0.9, "british": 0.1},
    4: {"south_asian_muslim": 1.0},
    5: {"other_asian": 0.85, "british": 0.15},
    6: {"african": 0.9, "british": 0.1},
    7: {"caribbean": 0.55, "british": 0.45},
    8: {"african": 0.5, "caribbean": 0.3, "british": 0.2},
    9: {"british": 0.6, "indian": 0.25, "chinese": 0.15},
    10: {"british": 0.6, "african": 0.4},
    11: {"british": 0.6, "caribbean": 0.4},
    12: {"british": 0.5, "south_european": 0.2, "other": 0.2, "arab": 0.1},
    13: {"british": 0.86, "jewish": 0.1, "irish": 0.04},
    14: {"irish": 0.8, "british": 0.2},
    15: {"traveller": 0.8, "irish": 0.2},
    16: {"roma": 1.0},
    17: {"east_european": 0.4, "south_european": 0.4, "jewish": 0.15, "british": 0.05},
    18: {"arab": 1.0},
    19: {"other": 0.85, "british": 0.15},
}
_SURNAME_MIX: Mapping[int, Mapping[str, float]] = {
    1: {"south_asian_muslim": 1.0},
    2: {"chinese": 1.0},
    3: {"indian": 0.95, "south_asian_muslim": 0.05},
    4: {"south_asian_muslim": 1.0},
    5: {"other_asian": 1.0},
    6: {"african": 1.0},
    7: {"caribbean": 0.8, "british": 0.2},
    8: {"african": 0.6, "caribbean": 0.4},
    9: {"british": 0.6, "indian": 0.3, "chinese": 0.1},
    10: {"british": 0.5, "african": 0.5},
    11: {"british": 0.4, "caribbean": 0.6},
    12: {"british": 0.5, "south_european": 0.2, "other": 0.2, "arab": 0.1},
    13: {"british": 0.84, "jewish": 0.12, "irish": 0.04},
    14: {"irish": 0.9, "british": 0.1},
    15: {"traveller": 1.0},
    16: {"roma": 1.0},
    17: {"east_european": 0.45, "south_european": 0.4, "jewish": 0.15},
    18: {"arab": 1.0},
    19: {"other": 1.0},
}


def _mixture_matrix(mix: Mapping[int, Mapping[str, float]]) -> np.ndarray:
    """(20, pools) weights, row = census group code (row 0 unused)."""
    matrix = np.zeros((20, len(POOL_NAMES)))
    for group, weights in mix.items():
        for pool, weight in weights.items():
            matrix[group, POOL_NAMES.index(pool)] = weight
    return matrix


FORENAME_MIX = _mixture_matrix(_FORENAME_MIX)
SURNAME_MIX = _mixture_matrix(_SURNAME_MIX)


class NameBook:
    """All names as two vocabularies (forenames, surnames) with, per pool and
    sex, the vocabulary indices and draw weights. People hold indices; text is
    looked up only for the rows an extract writes."""

    def __init__(self) -> None:
        self.forenames = np.array(sorted({n for p in POOLS.values() for n in p.male + p.female}), dtype=object)
        self.surnames = np.array(sorted({n for p in POOLS.values() for n in p.surnames}), dtype=object)
        forename_index = {n: i for i, n in enumerate(self.forenames)}
        surname_index = {n: i for i, n in enumerate(self.surnames)}
        # _forename[(pool, is_male)] and _surname[pool]: (vocabulary indices, probabilities)
        self._forename = {
            (k, male): _weighted([forename_index[n] for n in (pool.male if male else pool.female)])
            for k, pool in enumerate(POOLS.values())
            for male in (False, True)
        }
        self._surname = {
            k: _weighted([surname_index[n] for n in pool.surnames]) for k, pool in enumerate(POOLS.values())
        }

    def draw_forenames(self, rng: np.random.Generator, pools: np.ndarray, male: np.ndarray) -> np.ndarray:
        """A forename index per person from their pool and sex."""
        out = np.empty(len(pools), dtype=np.int64)
        for (pool, is_male), (indices, p) in self._forename.items():
            rows = np.flatnonzero((pools == pool) & (male == is_male))
            if len(rows):
                out[rows] = indices[rng.choice(len(indices), size=len(rows), p=p)]
        return out

    def draw_surnames(self, rng: np.random.Generator, pools: np.ndarray) -> np.ndarray:
        """A surname index per person from their pool."""
        out = np.empty(len(pools), dtype=np.int64)
        for pool, (indices, p) in self._surname.items():
            rows = np.flatnonzero(pools == pool)
            if len(rows):
                out[rows] = indices[rng.choice(len(indices), size=len(rows), p=p)]
        return out


def _weighted(indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary indices with Zipf-like weights by list position."""
    weights = 1.0 / (np.arange(len(indices)) + 4.0)
    return np.asarray(indices, dtype=np.int64), weights / weights.sum()
